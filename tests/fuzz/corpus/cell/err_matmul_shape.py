import tensorflow as tf

x = tf.constant([76.0, 120.0, 37.5])
W = tf.Variable(0.01 * tf.ones((2, 4)))
print('W:', W.shape)
print('x:', x.shape)
x_col = tf.reshape(x, (-1, 1))
print('x as a column:', x_col.shape)
z = tf.matmul(W, x_col)
print(z)
