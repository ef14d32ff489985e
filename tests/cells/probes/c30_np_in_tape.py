import tensorflow as tf
import numpy as np

W = tf.Variable([1.0, 2.0])
with tf.GradientTape() as tape:
    loss = np.sum(W.numpy() ** 2)
print(loss, type(loss).__name__)
print(tape.gradient(loss, W))
