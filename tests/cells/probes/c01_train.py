import tensorflow as tf
import numpy as np

X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=np.float32)
y = np.array([[1.0], [2.0], [3.0]], dtype=np.float32)
W = tf.Variable(tf.zeros((2, 1)), name="weights")
b = tf.Variable(0.0, name="bias")
lr = 0.01
for epoch in range(5):
    with tf.GradientTape() as tape:
        y_pred = tf.matmul(X, W) + b
        loss = tf.reduce_mean(tf.square(y - y_pred))
    grads = tape.gradient(loss, [W, b])
    W.assign_sub(lr * grads[0])
    b.assign_sub(lr * grads[1])
    print(f"Epoch {epoch}: Loss = {loss.numpy()}")
print(W)
print(b)
print(grads)
