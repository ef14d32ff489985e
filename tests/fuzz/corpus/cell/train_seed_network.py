import tensorflow as tf

x = tf.constant([76.0, 120.0, 37.5])
y = tf.constant([1.0, 0.0])
xB = tf.concat([x, 1.0*tf.ones(1)], axis = 0)
W = tf.Variable(0.01*(tf.constant([[-1.51, 0.42, -0.42, -1.04], [1.24, 0.47, -0.01, 1.19]])))
lr = 0.000002
for step in range(50):
    with tf.GradientTape() as g:
        yhat = tf.nn.softmax(tf.linalg.matvec(W, xB))
        L = tf.reduce_sum(-y*tf.math.log(yhat))
    gradL_W = g.gradient(L, W)
    W.assign_sub(lr * gradL_W)
    if step % 10 == 9:
        print('step', step + 1, 'Loss = %f' % L, 'yhat =', yhat.numpy())
print(W)
