import tensorflow as tf

X = tf.constant([[1.0, 2.0], [2.0, 0.5], [3.0, 1.5], [0.5, 3.0], [2.5, 2.5]])
y = tf.constant([[5.1], [3.2], [6.9], [6.4], [7.6]])
w = tf.Variable(tf.zeros((2, 1)))
b = tf.Variable(tf.zeros(1))
variables = [w, b]
for epoch in range(50):
    with tf.GradientTape() as tape:
        L = tf.reduce_mean(tf.square(X @ w + b - y))
    grads = tape.gradient(L, variables)
    for v, dv in zip(variables, grads):
        v.assign_sub(0.05 * dv)
print('final loss', float(L))
print(w.numpy().flatten(), b.numpy())
print(grads[0].shape, grads[1].shape)
