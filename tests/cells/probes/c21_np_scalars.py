import tensorflow as tf
import numpy as np

t = tf.constant([1.5, 2.5, 3.0])
m = t.numpy().mean()
print(m, type(m).__name__, repr(m))
print(np.float32(0.1) + np.float32(0.2))
print(t.numpy()[0] * 2, t.numpy().sum())
print(np.sqrt(t.numpy()))
print(t.numpy().max(), t.numpy().argmax())
print(float(m), str(m), f"{m}")
print([m, m * 2])
