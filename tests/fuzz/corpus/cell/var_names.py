import tensorflow as tf

w1 = tf.Variable(1.0, name='weights')
w2 = tf.Variable(2.0, name='weights')
anon = tf.Variable([3.0])
print(w1.name, w2.name, anon.name)
print(w1.name == w2.name)
print(w1)
print(w2)
print(anon)
