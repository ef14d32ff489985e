import tensorflow as tf

x = tf.Variable([1.0, 2.0, 3.0])
with tf.GradientTape(persistent=True) as g:
    y = tf.stack([x[0] * x[1], x[1] + x[2], x[2] ** 2])
v = tf.constant([1.0, 0.5, -1.0])
vjp = g.gradient(y, x, output_gradients=v)
J = g.jacobian(y, x)
print(vjp)
print(tf.linalg.matvec(J, v, transpose_a=True))
