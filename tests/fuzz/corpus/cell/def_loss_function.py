import tensorflow as tf

def mse(y, yhat):
    return tf.reduce_mean((y - yhat) ** 2)

y = tf.constant([1.0, 0.0, 2.0])
w = tf.Variable(0.5)
x = tf.constant([1.0, 0.5, 2.5])
with tf.GradientTape() as g:
    L = mse(y, w * x)
print('MSE: %.6f' % L)
print(g.gradient(L, w))
