import tensorflow as tf

W = tf.Variable(2.0)
with tf.GradientTape() as tape:
    pass
loss = W * W
print(tape.gradient(loss, W))
print(W.grad)
