import tensorflow as tf

x = tf.constant([1.0, 2.0])
y = (x +
     tf.constant([1.0, 2.0, 3.0]))
