import tensorflow as tf

x = tf.constant([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])
print(x.shape)
print(x[:, 1])
print(x[0])
print(x[-1])
print(x[0, 2])
print(x[..., None].shape)
print(x[1:, ::2])
print(x[:, -2:])
