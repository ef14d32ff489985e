import tensorflow as tf

target = tf.constant([1.0, -2.0, 0.5])
p = tf.Variable([0.0, 0.0, 0.0])
reached = -1
for i in range(50):
    with tf.GradientTape() as g:
        L = tf.reduce_sum(tf.math.squared_difference(p, target))
    p.assign_sub(0.1 * g.gradient(L, p))
    if L < 0.01 and reached < 0:
        reached = i
        print('loss below 0.01 at step', i, 'loss', L.numpy())
    elif i == 49:
        print('last loss', L.numpy())
print(p)
