import tensorflow as tf

labels = tf.constant([2, 0, 1, 2])
Y = tf.one_hot(labels, 3)
print(Y)
print(tf.argmax(Y, axis=1))
print(tf.argmin(tf.constant([[3.0, 1.0], [0.5, 2.0]]), axis=0))
print(tf.one_hot(tf.range(3), 3, dtype=tf.int32))
print(tf.argmax(Y, axis=1).dtype)
