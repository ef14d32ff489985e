import tensorflow as tf
x = tf.constant([[1.0, 2.0]])
with tf.GradientTape(persistent=True) as g:
    g.watch(x)
    y = x * x
    s = tf.reduce_sum(y)
print(g.batch_jacobian(s, x))
