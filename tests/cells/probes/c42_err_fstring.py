import tensorflow as tf

t = tf.constant([1.0, 2.0])
for i in range(3):
    print(f"{i}: {t[i]:.2f}")
