import tensorflow as tf

a = tf.Variable([1.0, 2.0])
b = tf.Variable(a)
c = a
a.assign([10.0, 20.0])
print(a)
print(b)
print(c)
b.assign_add([0.5, 0.5])
print(a.numpy(), b.numpy())
