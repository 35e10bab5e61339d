"""PyTorch peer of UFT's shipped finetuning step, for bench/step --freeze: ../shared/tools/ref_moco_step.py's MoCo v2 +
CutMix step with the stem and layer1-3 frozen (no gradients) and every batch norm in eval mode (statistics kept), as
`uft finetune` trains by default. Usage: /usr/bin/python3 ref_freeze_step.py --res 112 --bs 64 --steps 10 [--threads 2]
Prints: images_per_s=<float> (query images per second, data in memory already: model cost only)."""
import argparse, time, torch, torch.nn as nn, torch.nn.functional as F, torchvision

p = argparse.ArgumentParser()
p.add_argument('--res', type=int, default=112); p.add_argument('--bs', type=int, default=64)
p.add_argument('--steps', type=int, default=10); p.add_argument('--threads', type=int, default=2)
p.add_argument('--queue', type=int, default=4096); p.add_argument('--channels-last', action='store_true')
a = p.parse_args(); torch.set_num_threads(a.threads); torch.manual_seed(0)
FROZEN = ('conv1.', 'bn1.', 'layer1.', 'layer2.', 'layer3.')

def encoder():
    m = torchvision.models.resnet18(num_classes=128)
    m.fc = nn.Sequential(nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 128))
    return m
q_enc, k_enc = encoder(), encoder()
k_enc.load_state_dict(q_enc.state_dict())
for p_ in k_enc.parameters(): p_.requires_grad = False
for n, p_ in q_enc.named_parameters():
    if n.startswith(FROZEN): p_.requires_grad = False
for enc in (q_enc, k_enc):
    enc.train()
    for mod in enc.modules():
        if isinstance(mod, nn.BatchNorm2d): mod.eval()
    if a.channels_last: enc.to(memory_format=torch.channels_last)
K, T, m = a.queue, 0.2, 0.999
queue = F.normalize(torch.randn(128, K), dim=0); ptr = 0
trained = [p_ for p_ in q_enc.parameters() if p_.requires_grad]
opt = torch.optim.SGD(trained, lr=0.015, momentum=0.9, weight_decay=1e-4)

def info_nce(q, k):
    logits = torch.cat([(q * k).sum(1, keepdim=True), q @ queue], 1) / T
    return F.cross_entropy(logits, torch.zeros(len(q), dtype=torch.long), reduction='none')

def step(xq, xk):
    global queue, ptr
    q = F.normalize(q_enc(xq), dim=1)
    with torch.no_grad():
        for pq, pk in zip(q_enc.parameters(), k_enc.parameters()):
            if pq.requires_grad: pk.mul_(m).add_(pq.detach(), alpha=1 - m)
        k = F.normalize(k_enc(xk), dim=1)
    loss = info_nce(q, k).mean()
    lam = float(torch.distributions.Beta(1., 1.).sample()); perm = torch.randperm(len(xq))
    H = W = a.res; rh, rw = int(H * (1 - lam) ** .5), int(W * (1 - lam) ** .5)
    cy, cx = torch.randint(H, (1,)).item(), torch.randint(W, (1,)).item()
    y0, y1, x0, x1 = max(cy - rh // 2, 0), min(cy + rh // 2, H), max(cx - rw // 2, 0), min(cx + rw // 2, W)
    xm = xq.clone(); xm[:, :, y0:y1, x0:x1] = xq[perm][:, :, y0:y1, x0:x1]
    lam = 1 - (y1 - y0) * (x1 - x0) / (H * W)
    qm = F.normalize(q_enc(xm), dim=1)
    loss = loss + (lam * info_nce(qm, k) + (1 - lam) * info_nce(qm, k[perm])).mean()
    opt.zero_grad(); loss.backward(); opt.step()
    n = len(k); idx = torch.arange(ptr, ptr + n) % K; queue[:, idx] = k.T; ptr = (ptr + n) % K
    return loss.item()

fmt = torch.channels_last if a.channels_last else torch.contiguous_format
xq = torch.randn(a.bs, 3, a.res, a.res).to(memory_format=fmt); xk = torch.randn(a.bs, 3, a.res, a.res).to(memory_format=fmt)
for _ in range(3): step(xq, xk)
t = time.perf_counter()
for _ in range(a.steps): step(xq, xk)
dt = time.perf_counter() - t
print(f"torch={torch.__version__} res={a.res} bs={a.bs} threads={a.threads} channels_last={a.channels_last}")
print(f"images_per_s={a.bs * a.steps / dt:.1f}")
