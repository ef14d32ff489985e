import tensorflow as tf

def loss_fn(w, x):
    z = tf.matmul(w, x)
    return tf.reduce_sum(z)

W = tf.Variable([[1.0, 2.0]])
X = tf.constant([[1.0, 2.0]])
for i in range(2):
    with tf.GradientTape() as tape:
        L = loss_fn(W,
                    X)
