import tensorflow as tf
import numpy as np

x = tf.linspace(-1.0, 1.0, 101)
print(x)
y = tf.sigmoid(x)
print(y[:5], y[-3:])
print(np.round(y.numpy()[:6], 3))
print(tf.reduce_max(y).numpy(), tf.argmax(y).numpy())
print("mean: %.6f std: %.6f" % (tf.reduce_mean(y), tf.math.reduce_std(y)))
print("mean: {:.6f}".format(tf.reduce_mean(y).numpy()))
print(f"{tf.reduce_mean(y).numpy()!r}")
