import tensorflow as tf

x = tf.constant(5)
print(x / 2)
print(x // 2, x % 3, -x // 2)
print(tf.constant([1, 2]) * 3)
print(tf.constant(1e20), tf.constant([1e-20, 1.0]))
print(tf.constant([1.0, 2.0]).numpy().mean())
print(x ** -1)
