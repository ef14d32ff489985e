import tensorflow as tf

W = tf.Variable([1.0, -2.0])
x = tf.constant([0.5, 1.5])
lr = 0.1
for step in range(3):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum((W * x - 1.0) ** 2)
    dW = tape.gradient(loss, W)
    print(step, loss.numpy(), dW)
    W = W - lr * dW
