import tensorflow as tf

x = tf.constant([3.0, 1.0, 2.0])
print(tf.expand_dims(x, 0).shape, tf.expand_dims(x, axis=1).shape, tf.expand_dims(x, -1).shape)
c = x[..., None]
r = x[tf.newaxis, :]
print(c)
print(r)
print(tf.squeeze(c))
print(tf.squeeze(tf.ones((1, 3, 1)), axis=0).shape)
print((c * r).shape)
