import tensorflow as tf
import numpy as np

t = tf.constant([1.5, 2.25])
s = tf.constant(3.14159)
print(f"{t}")
print(f"{s:.2f}")
print(f"{s}")
print("%s" % t)
print("{}".format(s))
print(f"{t.numpy()}")
print(list(t.numpy()))
print([float(v) for v in t])
print(t.numpy().tolist())
print(f"{t:.2f}")
