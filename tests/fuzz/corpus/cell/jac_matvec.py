import tensorflow as tf

W = tf.Variable([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]])
x = tf.constant([0.5, -1.0, 2.0])
with tf.GradientTape(persistent=True) as g:
    g.watch(x)
    z = tf.linalg.matvec(W, x)
print(z)
print(g.jacobian(z, x))
Jw = g.jacobian(z, W)
print(Jw.shape)
print(Jw[1])
