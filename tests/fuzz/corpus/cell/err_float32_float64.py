import tensorflow as tf

z = tf.linspace(-1, 1, 5)
w = tf.constant([0.5, 0.5, 0.5, 0.5, 0.5])
print(z.dtype, w.dtype)
a = w * z
print(a)
