import tensorflow as tf

A = tf.constant([[1, 2, 3], [4, 5, 6]])
print(tf.reshape(A, [3, 2]))
print(tf.reshape(A, [4, 2]))
