import tensorflow as tf

X = tf.constant([[1.0, 2.0], [0.5, -1.0], [-1.5, 0.3]])
y = tf.one_hot([0, 1, 1], 2)
W = tf.Variable(tf.zeros((2, 2)))
b = tf.Variable(tf.zeros((2,)))
for step in range(3):
    with tf.GradientTape() as tape:
        p = tf.nn.softmax(X @ W + b)
        loss = tf.reduce_mean(-tf.reduce_sum(y * tf.math.log(p), axis=1))
    dW, db = tape.gradient(loss, [W, b])
    W.assign_sub(0.5 * dW)
    b.assign_sub(0.5 * db)
    acc = tf.reduce_mean(tf.cast(tf.argmax(p, axis=1) == tf.argmax(y, axis=1), tf.float32))
    print(f"step {step} loss {loss.numpy():.4f} acc {acc.numpy():.2f}")
print(p)
