import tensorflow as tf

a = tf.constant([[1, 2], [3, 4]])
b = tf.constant([[5, 6], [7, 8]])
print(tf.concat([a, b], axis=0))
print(tf.concat([a, b], axis=1))
s = tf.stack([a, b])
print(s.shape)
print(tf.stack([a, b], axis=2))
print(tf.concat([tf.zeros(2), tf.ones(1)], 0))
