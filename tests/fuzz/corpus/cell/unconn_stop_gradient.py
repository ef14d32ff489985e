import tensorflow as tf

x = tf.Variable([1.0, 2.0])
with tf.GradientTape() as g:
    y = tf.reduce_sum(x * tf.stop_gradient(x) + x)
print(y)
print(g.gradient(y, x))
