import tensorflow as tf

# a small logistic regression: 8 points in 2 features, 1,000 steps of gradient descent
X = tf.constant([[0.5, 1.0], [1.5, -0.5], [-1.0, 2.0], [2.0, 1.0],
                 [-0.5, -1.5], [1.0, 0.0], [-2.0, 0.5], [0.0, -1.0]])
y = tf.constant([1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0])
w = tf.Variable([0.0, 0.0])
b = tf.Variable(0.0)
for step in range(1000):
    with tf.GradientTape() as g:
        p = tf.sigmoid(tf.linalg.matvec(X, w) + b)
        L = -tf.reduce_mean(y * tf.math.log(p) + (1.0 - y) * tf.math.log(1.0 - p))
    dw, db = g.gradient(L, [w, b])
    w.assign_sub(0.5 * dw)
    b.assign_sub(0.5 * db)
print(f"loss {L.numpy():.6f}")
print(w.numpy(), b.numpy())
