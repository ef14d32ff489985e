import tensorflow as tf

x = tf.random.normal((100, 100), seed=1)
print(x.shape, x.dtype)
m = tf.reduce_mean(x)
sd = tf.sqrt(tf.reduce_mean((x - m) ** 2))
print('mean %.3f, std %.3f' % (m, sd))
print(x[0, :3])
