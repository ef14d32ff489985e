import tensorflow as tf

x = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
with tf.GradientTape(persistent=True) as g:
    y = tf.matmul(x, x)
    s = tf.reduce_sum(y, axis=0)
J = g.jacobian(y, x)
print(J.shape)
print(g.jacobian(s, x))
print(g.batch_jacobian(y, x))
Js = g.jacobian(s, [x])
print(type(Js).__name__, len(Js))
