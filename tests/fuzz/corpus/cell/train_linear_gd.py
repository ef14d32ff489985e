import tensorflow as tf

x = tf.constant([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
y = tf.constant([1.1, 2.9, 5.2, 7.1, 8.8, 11.2])
w = tf.Variable(0.0)
b = tf.Variable(0.0)
lr = 0.02
for i in range(50):
    with tf.GradientTape() as g:
        yhat = w * x + b
        L = tf.reduce_mean((yhat - y) ** 2)
    dw, db = g.gradient(L, [w, b])
    w.assign_sub(lr * dw)
    b.assign_sub(lr * db)
    if i % 10 == 0:
        print('step %d: loss = %f' % (i, L))
print('w = %.4f, b = %.4f' % (w, b))
print(w, b)
