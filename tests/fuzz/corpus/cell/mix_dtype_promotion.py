import numpy as np
import tensorflow as tf

a = np.array([1.0, 2.0])
t = tf.constant([1.0, 2.0])
print(a.dtype, t.dtype)
print(tf.constant(a).dtype, tf.constant(a, dtype=tf.float32).dtype)
a32 = np.array([1.0, 2.0], dtype=np.float32)
print((a32 * a).dtype, (a32 + 1).dtype, (a32 * 2.5).dtype)
print(np.array([1, 2]).dtype, tf.constant([1, 2]).dtype)
print(tf.constant(np.array([1, 2])).dtype)
