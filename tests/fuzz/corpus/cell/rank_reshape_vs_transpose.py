import tensorflow as tf

data = tf.reshape(tf.range(12), (2, 3, 2))   # (patients, timestamps, features)
swapped = tf.transpose(data, perm=[1, 0, 2])   # (timestamps, patients, features)
reshaped = tf.reshape(data, (3, 2, 2))
print(data)
print(swapped)
print(reshaped)
print(swapped.shape == reshaped.shape)
print(swapped[0, 1], reshaped[0, 1])
