import tensorflow as tf

x = tf.Variable([1.0, 2.0])
u = tf.Variable([3.0])
with tf.GradientTape(persistent=True) as g:
    y = x * x
J = g.jacobian(y, [x, u])
print(J)
J0 = g.jacobian(y, u, unconnected_gradients=tf.UnconnectedGradients.ZERO)
print(J0)
J1 = g.jacobian(y, u, unconnected_gradients='zero')
print(J1)
print(g.jacobian(y, u))
