import tensorflow as tf

X = tf.constant([[0.1, 0.2, 0.3], [1.0, -1.0, 0.0], [0.5, 0.5, 0.5], [-0.2, 0.4, -0.6]])
W = tf.constant([[1.0, 0.5], [-0.5, 1.0], [0.25, -0.25]])
with tf.GradientTape(persistent=True) as g:
    g.watch(X)
    Y = tf.math.tanh(X @ W)
B = g.batch_jacobian(Y, X)
print(Y.shape, B.shape)
print(B[0])
print(B[1])
print(g.jacobian(Y, X).shape)
