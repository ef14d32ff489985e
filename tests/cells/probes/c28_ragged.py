import tensorflow as tf

t = tf.constant([[1, 2], [3]])
