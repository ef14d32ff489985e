import tensorflow as tf

W = tf.Variable([[0.015110626, 0.0042292206, -0.0041969493, -0.010360372],
                 [-0.012368279, 0.0047027301, -0.00013974885, 0.011888582]])
x = tf.constant([76, 120, 37.5])
y = tf.constant([1.0, 0.0])
xB = tf.concat([x, 1.0 * tf.ones(1)], axis=0)

with tf.GradientTape(persistent=True) as g:
    z = tf.linalg.matvec(W, xB)
    a = tf.nn.softmax(z)
    yhat = a
    L = tf.reduce_sum(-y * tf.math.log(yhat))

gradL_yhat = g.gradient(L, yhat)
grada_z = g.gradient(a, z)
gradL_W = g.gradient(L, W)
jac_a_z = g.jacobian(a, z)
