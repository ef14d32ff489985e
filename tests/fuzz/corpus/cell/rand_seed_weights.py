import tensorflow as tf

W = tf.Variable(0.01*(tf.random.normal((2, 4), seed=42)))
print(W)
print(W.shape, W.dtype, W.trainable)
b = tf.Variable(tf.random.uniform((2,), seed=42))
print(b.numpy())
