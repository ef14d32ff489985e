import numpy as np
import tensorflow as tf

x = tf.constant(1.0)
v = tf.Variable(1.0)
a = np.array([1.0])
print(type(x))
print(type(v))
print(type(a))
print(type(1.5), type(3), type(True), type(None))
print(type(x).__name__, type(v).__name__, type(a).__name__, type(a[0]).__name__)
