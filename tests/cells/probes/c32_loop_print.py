import tensorflow as tf

x = tf.Variable(0.0)
target = 3.0
history = []
for i in range(4):
    with tf.GradientTape() as tape:
        loss = (x - target) ** 2
    g = tape.gradient(loss, x)
    x.assign_sub(0.1 * g)
    history.append((i, round(float(loss), 4)))
    print("iter %d: x=%.4f loss=%.4f grad=%s" % (i, x.numpy(), loss, g.numpy()))
print(history)
print(x.numpy(), f"{x.numpy():.3e}", "%g" % x.numpy())
