import tensorflow as tf

x = tf.zeros((2, 4))
s = tf.constant(1.0)
print(x.shape)
print(s.shape)
print(x.dtype)
print(tf.float32, tf.float64, tf.int32, tf.int64, tf.bool)
print(x.shape[0], x.shape[-1], len(x.shape))
print(list(x.shape), tuple(x.shape))
print(x.dtype == tf.float32, x.dtype.name)
print(x.shape == (2, 4))
