import tensorflow as tf

x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
c = tf.constant([[5.0], [6.0]])
with tf.GradientTape(persistent=True) as g:
    g.watch(x)
    g.watch(c)
    y = x ** 2
print(g.batch_jacobian(y, x))
print(g.batch_jacobian(y, c))
print(g.batch_jacobian(y, c, unconnected_gradients=tf.UnconnectedGradients.ZERO))
