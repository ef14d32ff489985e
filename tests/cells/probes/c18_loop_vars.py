import tensorflow as tf

w = tf.Variable(5.0)
opt_steps = []
for i in range(3):
    with tf.GradientTape() as tape:
        loss = (w - 2.0) ** 2
    grad = tape.gradient(loss, w)
    w.assign(w - 0.25 * grad)
    opt_steps.append(w.numpy())
    print(i, w.numpy(), grad.numpy(), loss.numpy())
print(opt_steps)
print(w)
print(f"final w = {w.numpy():.4f}, loss = {loss:.6f}")
