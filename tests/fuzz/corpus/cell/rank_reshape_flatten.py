import tensorflow as tf

A = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
flat = tf.reshape(A, [-1])
print(flat)
print(tf.reshape(A, [3, -1]))
print(tf.reshape(flat, [-1, 1]).shape)
col = tf.reshape(A, (6, 1))
print(col.shape, col.ndim)
back = tf.reshape(col, A.shape)
print(back)
