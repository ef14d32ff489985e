import tensorflow as tf

counts = tf.constant([2, 4, 6])
print(counts // 2)
print(counts / 2)
half = counts * 0.5
