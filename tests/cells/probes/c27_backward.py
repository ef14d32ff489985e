import tensorflow as tf

W = tf.Variable(2.0)
with tf.GradientTape() as tape:
    loss = W * W
loss.backward()
