import tensorflow as tf

x = tf.constant(3)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = x * x
print(tape.gradient(y, x))
v = tf.Variable([1, 2, 3], dtype=tf.float32)
print(v)
print(tf.constant([1, 2.5]))
f = tf.Variable(1.0)
f.assign(5)
print(f)
print(x.numpy)
