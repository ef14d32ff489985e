import numpy as np
import tensorflow as tf

a = np.array([[1.0, 2.0], [3.0, 4.0]])
print(tf.reduce_sum(a))
print(tf.nn.softmax(a))
print(tf.matmul(a, a))
print(tf.reshape(a, [-1]).dtype, tf.transpose(a).shape)
print(tf.math.sigmoid(np.zeros(3, dtype=np.float32)))
