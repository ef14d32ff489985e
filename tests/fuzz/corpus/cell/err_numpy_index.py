import numpy as np
import tensorflow as tf

g = tf.constant([0.5, -0.25, 0.125]).numpy()
for i in range(4):
    print(i, g[i])
