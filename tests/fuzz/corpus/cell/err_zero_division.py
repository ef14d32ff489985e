import tensorflow as tf

lr = 0.1
decay_steps = [4, 2, 0]
for k in decay_steps:
    lr = lr / 2
    print('lr %.4f steps %d' % (lr, k), 0.5 / k)
