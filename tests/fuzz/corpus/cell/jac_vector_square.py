import tensorflow as tf

x = tf.Variable([1.0, 2.0, 3.0])
with tf.GradientTape(persistent=True) as g:
    y = x ** 2
J = g.jacobian(y, x)
print(J)
print(g.gradient(y, x))
print(J.shape)
del g
