import tensorflow as tf

a = tf.constant([1.0, 2.0])
b = tf.constant(3)
W = tf.Variable([[0.5, 0.25]])
print([a, b])
print((a, None))
print([W])
print([a.shape, b.shape, W.shape])
print((a.dtype, b.dtype))
print([1.0, 2.5], (3, 'x'), [])
