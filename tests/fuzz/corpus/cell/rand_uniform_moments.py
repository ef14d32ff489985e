import tensorflow as tf

u = tf.random.uniform((10000,), minval=-1.0, maxval=1.0, seed=3)
print(u.shape, u.dtype)
print('min >= -1:', float(tf.reduce_min(u)) >= -1.0, 'max < 1:', float(tf.reduce_max(u)) < 1.0)
print(f"mean {tf.reduce_mean(u):.3f}")
